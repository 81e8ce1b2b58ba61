import Link from 'next/link';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { currentViewer, roleAtLeast } from '@/lib/viewer';
import { NewRunForm } from './NewRunForm';

export const metadata = { title: 'New run · Graft' };

const CHOICES = graphql(`
  query NewRunChoices {
    backbones {
      id
      name
      family
      inputShape
    }
    datasets {
      id
      name
      classes
      counts {
        total
      }
    }
  }
`);

export default async function NewRunPage({
  searchParams,
}: {
  searchParams: Promise<{ backboneId?: string; datasetId?: string }>;
}) {
  const viewer = await currentViewer();
  if (!roleAtLeast(viewer?.role, 'editor')) {
    return (
      <main>
        <h1>New run</h1>
        <div className="empty" data-testid="new-run-forbidden" role="note">
          <p>
            Starting runs needs an <strong>editor</strong> or <strong>maintainer</strong> key; you
            are signed in as {viewer ? <strong>{viewer.role}</strong> : 'nobody'}.
          </p>
          <p>
            Ask a maintainer for an editor key, or browse the <Link href="/runs">runs</Link> that
            exist.
          </p>
        </div>
      </main>
    );
  }
  const [{ backbones, datasets }, params] = await Promise.all([gql(CHOICES, {}), searchParams]);
  if (backbones.length === 0 || datasets.length === 0) {
    return (
      <main>
        <h1>New run</h1>
        <div className="empty" data-testid="new-run-empty">
          {datasets.length === 0 ? (
            <p>
              A run trains on a dataset, and there is none yet:{' '}
              <Link href="/datasets">create one from MNIST digits</Link> first.
            </p>
          ) : null}
          {backbones.length === 0 ? (
            <p>
              No backbone is registered: see <Link href="/backbones">Backbones</Link>.
            </p>
          ) : null}
        </div>
      </main>
    );
  }
  const backboneId = backbones.some((b) => b.id === params.backboneId)
    ? params.backboneId!
    : (backbones.find((b) => b.family === 'lenet') ?? backbones[0]!).id;
  const datasetId = datasets.some((d) => d.id === params.datasetId)
    ? params.datasetId!
    : datasets[datasets.length - 1]!.id;
  return (
    <main>
      <h1>New run</h1>
      <p className="muted nr-intro">
        Cut a pretrained backbone, put a new head on it and train on a dataset. Feature extraction
        trains only the head; fine-tuning then unfreezes the top of the backbone at a low learning
        rate.
      </p>
      <NewRunForm
        backbones={backbones}
        datasets={datasets}
        initialBackboneId={backboneId}
        initialDatasetId={datasetId}
      />
    </main>
  );
}
