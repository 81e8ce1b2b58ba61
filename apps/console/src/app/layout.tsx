import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { signOut } from '@/lib/session';
import { currentViewer } from '@/lib/viewer';
import { ViewerProvider } from '@/components/ViewerContext';
import './globals.css';

export const metadata: Metadata = {
  title: 'Graft',
  description: 'Transfer-learning model registry: browse, compare and promote models',
};

const NAV = [
  ['/runs', 'Runs'],
  ['/runs/new', 'New run'],
  ['/models', 'Models'],
  ['/backbones', 'Backbones'],
  ['/datasets', 'Datasets'],
] as const;

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The header only: when the API is down the page below says so (its error boundary), and the
  // layout, which no error.tsx wraps, must still render.
  const viewer = await currentViewer().catch(() => null);
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <header className="topbar">
          <Link href="/runs" className="brand">
            Graft
          </Link>
          {viewer ? (
            <nav aria-label="Main">
              {NAV.map(([href, label]) => (
                <Link key={href} href={href}>
                  {label}
                </Link>
              ))}
            </nav>
          ) : null}
          <div className="spacer" />
          {viewer ? (
            <form action={signOut} className="who">
              <span title="API key name and role">
                {viewer.name} · <span className={`role role-${viewer.role}`}>{viewer.role}</span>
              </span>
              <button type="submit" className="link">
                Sign out
              </button>
            </form>
          ) : (
            <Link href="/sign-in">Sign in</Link>
          )}
        </header>
        <ViewerProvider viewer={viewer}>
          <div id="main">{children}</div>
        </ViewerProvider>
      </body>
    </html>
  );
}
