export default function RunsLoading() {
  return (
    <main>
      <h1>Runs</h1>
      <p className="loading" role="status" data-testid="runs-loading">
        Loading runs…
      </p>
    </main>
  );
}
