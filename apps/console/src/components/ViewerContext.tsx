'use client';

import { createContext, useContext, type ReactNode } from 'react';
import type { Viewer } from '@/lib/viewer';

const Ctx = createContext<Viewer | null>(null);

/** Makes the signed-in key's role known to client components (to hide or disable controls). */
export function ViewerProvider({
  viewer,
  children,
}: {
  viewer: Viewer | null;
  children: ReactNode;
}) {
  return <Ctx.Provider value={viewer}>{children}</Ctx.Provider>;
}

export function useViewer(): Viewer | null {
  return useContext(Ctx);
}
