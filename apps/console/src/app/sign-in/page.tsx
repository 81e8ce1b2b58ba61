import { SignInForm } from './SignInForm';

export const metadata = { title: 'Sign in · Graft' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string; expired?: string }>;
}) {
  const { next, expired } = await searchParams;
  return (
    <main className="narrow">
      <h1>Sign in</h1>
      <p className="muted">
        Paste an API key. A fresh server prints a maintainer key at its first start and writes it to{' '}
        <code>.graft/maintainer.key</code>.
      </p>
      {expired ? <p className="error">Your key is no longer accepted; sign in again.</p> : null}
      <SignInForm next={next ?? '/runs'} />
    </main>
  );
}
