"use client";
import { createContext, useContext, type ReactNode } from "react";
import type { Permission } from "@/server/auth/permissions";
import { can } from "@/server/auth/permissions";

export type WorkspaceInfo = { id: string; slug: string; name: string; plan: string; role: "owner" | "admin" | "member" | "viewer" };

const WorkspaceContext = createContext<WorkspaceInfo | null>(null);

export function WorkspaceProvider({ value, children }: { value: WorkspaceInfo; children: ReactNode }) {
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

export function useWorkspace(): WorkspaceInfo & { can: (p: Permission) => boolean } {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error("useWorkspace must be used inside /w/[slug]");
  return { ...ws, can: (p) => can(ws.role, p) };
}
