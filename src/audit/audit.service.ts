import { canViewAuditLog, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import { isAuditAction, targetUserId, type AuditAction, type AuditDetails, type AuditEntry } from './audit.ts';
import { findUserNames, insertAuditEntry, listAuditEntries } from './audit.store.ts';

export type { AuditAction, AuditEntry };

/**
 * Records what an organiser did. Pass the transaction that makes the change, so the entry exists
 * exactly when the change does; `db` works for actions that change nothing else.
 */
export async function recordAudit(db: Db, entry: AuditEntry, now: number): Promise<void> {
  await insertAuditEntry(db, {
    organisation_id: entry.organisationId,
    user_id: entry.userId,
    action: entry.action,
    target: entry.target ?? null,
    details: entry.details ? JSON.stringify(pickDetails(entry.details)) : null,
    created_at: now,
  });
}

/** Only the known keys, whatever a caller passes at run time. */
function pickDetails(details: AuditDetails): AuditDetails {
  const out: Record<string, string | number> = {};
  if (typeof details.role === 'string') out.role = details.role;
  if (typeof details.previousRole === 'string') out.previousRole = details.previousRole;
  if (typeof details.invitationId === 'number') out.invitationId = details.invitationId;
  if (typeof details.count === 'number') out.count = details.count;
  for (const key of ['petition', 'status', 'previousStatus', 'locale', 'organisation', 'reason', 'filter'] as const) {
    const value = details[key];
    if (typeof value === 'string') out[key] = value.slice(0, 200);
  }
  return out;
}

export interface AuditLine {
  readonly id: number;
  readonly at: number;
  readonly action: AuditAction;
  /** Who acted, by name (undefined: the command line, or a person since deleted). */
  readonly actorName: string | undefined;
  readonly targetName: string | undefined;
  readonly details: AuditDetails;
}

export const AUDIT_PAGE_SIZE = 50;

/** A page of an organisation's audit log, for its owners. */
export async function listAuditLog(ctx: Context, actor: Actor, organisationId: number, beforeId?: number): Promise<{ lines: AuditLine[]; nextBeforeId: number | undefined }> {
  if (!canViewAuditLog(actor, organisationId)) throw new DomainError('forbidden', 'Only owners can read the audit log.');
  const rows = await listAuditEntries(ctx.db, organisationId, AUDIT_PAGE_SIZE + 1, beforeId);
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  const names = await findUserNames(
    ctx.db,
    page.flatMap((r) => [r.user_id, targetUserId(r.target)]).filter((id): id is number => typeof id === 'number'),
  );
  const lines: AuditLine[] = [];
  for (const row of page) {
    if (!isAuditAction(row.action)) continue;
    const target = targetUserId(row.target);
    lines.push({
      id: row.id,
      at: row.created_at,
      action: row.action,
      actorName: row.user_id === null ? undefined : names.get(row.user_id),
      targetName: target === undefined ? undefined : names.get(target),
      details: row.details ? (JSON.parse(row.details) as AuditDetails) : {},
    });
  }
  const last = page[page.length - 1];
  return { lines, nextBeforeId: rows.length > AUDIT_PAGE_SIZE && last ? last.id : undefined };
}
