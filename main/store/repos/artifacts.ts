import { z } from 'zod';
import { immediate, nullable, requireText, rowId, type StoreContext } from '../context';
import { StoreNotFoundError, StoreValidationError } from '../errors';
import { parseRow, parseRows } from '../json';
import { ARTIFACT_KINDS, type Artifact, type ArtifactKind } from '../types';
import { writeAudit } from './audit';
import { Sha256Schema } from './datasets';
import { requireProject } from './projects';
import { requireRun } from './runs';

const ArtifactRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    run_id: z.int().nullable(),
    kind: z.enum(ARTIFACT_KINDS),
    path: z.string(),
    sha256: z.string().nullable(),
    bytes: z.int().nullable(),
    created_at: z.string(),
  })
  .transform(
    (r): Artifact => ({
      id: r.id,
      projectId: r.project_id,
      runId: r.run_id,
      kind: r.kind,
      path: r.path,
      sha256: r.sha256,
      bytes: r.bytes,
      createdAt: r.created_at,
    }),
  );

const SELECT_ARTIFACT = 'SELECT id, project_id, run_id, kind, path, sha256, bytes, created_at FROM artifacts';

export interface AddArtifactInput {
  projectId: number;
  runId?: number | null;
  kind: ArtifactKind;
  path: string;
  sha256?: string | null;
  bytes?: number | null;
  actor?: string;
}

export interface ArtifactListOptions {
  projectId: number;
  runId?: number;
  kind?: ArtifactKind;
}

export class ArtifactsRepo {
  constructor(private readonly ctx: StoreContext) {}

  add(input: AddArtifactInput): Artifact {
    const { ctx } = this;
    const kind = z.enum(ARTIFACT_KINDS).safeParse(input.kind);
    if (!kind.success) throw new StoreValidationError(`Unknown artifact kind '${input.kind}'`);
    const path = requireText(input.path, 'artifact path', 4096);
    const sha256 = nullable(input.sha256);
    if (sha256 !== null && !Sha256Schema.safeParse(sha256).success) throw new StoreValidationError('Invalid artifact sha256');
    const bytes = nullable(input.bytes);
    if (bytes !== null && (!Number.isSafeInteger(bytes) || bytes < 0)) throw new StoreValidationError('bytes must be an integer >= 0');
    return immediate(ctx.db, () => {
      requireProject(ctx, input.projectId);
      const runId = nullable(input.runId);
      if (runId !== null && requireRun(ctx, runId).projectId !== input.projectId) {
        throw new StoreValidationError(`Run ${runId} belongs to another project`);
      }
      const id = rowId(
        ctx
          .stmt('INSERT INTO artifacts (project_id, run_id, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(input.projectId, runId, kind.data, path, sha256, bytes, ctx.now()),
      );
      writeAudit(ctx, {
        actor: input.actor ?? 'system',
        action: 'artifact.add',
        subject: `artifact:${id}`,
        projectId: input.projectId,
        detail: { kind: kind.data, path, runId, sha256 },
      });
      const row = ctx.stmt(`${SELECT_ARTIFACT} WHERE id = ?`).get(id);
      if (row === undefined) throw new StoreNotFoundError('Artifact', id);
      return parseRow(ArtifactRowSchema, row, `artifacts id=${id}`);
    });
  }

  list(options: ArtifactListOptions): Artifact[] {
    const rows = this.ctx
      .stmt(
        `${SELECT_ARTIFACT} WHERE project_id = @projectId
           AND (@runId IS NULL OR run_id = @runId)
           AND (@kind IS NULL OR kind = @kind)
         ORDER BY id`,
      )
      .all({ projectId: options.projectId, runId: nullable(options.runId), kind: nullable(options.kind) });
    return parseRows(ArtifactRowSchema, rows, 'artifacts');
  }
}
