import { z } from 'zod';
import { immediate, nullable, requireId, requireText, rowId, type StoreContext } from '../context';
import { StoreNotFoundError, StoreValidationError } from '../errors';
import { jsonColumn, parseRow, parseRows } from '../json';
import { DATASET_SOURCES, DatasetCountsSchema, type Dataset, type DatasetCounts, type DatasetSource } from '../types';
import { writeAudit } from './audit';
import { requireProject } from './projects';

const DatasetRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int().nullable(),
    name: z.string(),
    source: z.enum(DATASET_SOURCES),
    source_path: z.string().nullable(),
    sha256: z.string(),
    counts: jsonColumn(DatasetCountsSchema),
    created_at: z.string(),
  })
  .transform(
    (r): Dataset => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      source: r.source,
      sourcePath: r.source_path,
      sha256: r.sha256,
      counts: r.counts,
      createdAt: r.created_at,
    }),
  );

const SELECT_DATASET = 'SELECT id, project_id, name, source, source_path, sha256, counts, created_at FROM datasets';
export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export function requireDataset(ctx: StoreContext, id: number): Dataset {
  const row = ctx.stmt(`${SELECT_DATASET} WHERE id = ?`).get(requireId(id, 'datasetId'));
  if (row === undefined) throw new StoreNotFoundError('Dataset', id);
  return parseRow(DatasetRowSchema, row, `datasets id=${id}`);
}

export interface AddDatasetInput {
  /** null/omitted: shared by all projects (e.g. the built-in corpus). */
  projectId?: number | null;
  name: string;
  source: DatasetSource;
  /** Required for imports: where the files came from. */
  sourcePath?: string | null;
  sha256: string;
  counts: DatasetCounts;
  actor?: string;
}

export class DatasetsRepo {
  constructor(private readonly ctx: StoreContext) {}

  add(input: AddDatasetInput): Dataset {
    const { ctx } = this;
    const name = requireText(input.name, 'dataset name', 200);
    const source = z.enum(DATASET_SOURCES).safeParse(input.source);
    if (!source.success) throw new StoreValidationError(`Unknown dataset source '${input.source}'`);
    if (source.data === 'import' && (input.sourcePath == null || input.sourcePath === '')) {
      throw new StoreValidationError('An imported dataset needs its source path');
    }
    const sha = Sha256Schema.safeParse(input.sha256);
    if (!sha.success) throw new StoreValidationError(`Invalid dataset sha256: ${z.prettifyError(sha.error)}`);
    const counts = DatasetCountsSchema.safeParse(input.counts);
    if (!counts.success) throw new StoreValidationError(`Invalid dataset counts: ${z.prettifyError(counts.error)}`);
    return immediate(ctx.db, () => {
      const projectId = nullable(input.projectId);
      if (projectId !== null) requireProject(ctx, projectId);
      const id = rowId(
        ctx
          .stmt(
            `INSERT INTO datasets (project_id, name, source, source_path, sha256, counts, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(projectId, name, source.data, nullable(input.sourcePath), sha.data, JSON.stringify(counts.data), ctx.now()),
      );
      writeAudit(ctx, {
        actor: input.actor ?? 'system',
        action: 'dataset.add',
        subject: `dataset:${id}`,
        projectId,
        detail: { name, source: source.data, sha256: sha.data },
      });
      return requireDataset(ctx, id);
    });
  }

  get(id: number): Dataset | undefined {
    const row = this.ctx.stmt(`${SELECT_DATASET} WHERE id = ?`).get(id);
    return row === undefined ? undefined : parseRow(DatasetRowSchema, row, `datasets id=${id}`);
  }

  /** With a projectId: that project's datasets plus the shared ones. Without: all. */
  list(options: { projectId?: number } = {}): Dataset[] {
    const rows = this.ctx
      .stmt(`${SELECT_DATASET} WHERE @projectId IS NULL OR project_id IS NULL OR project_id = @projectId ORDER BY id`)
      .all({ projectId: nullable(options.projectId) });
    return parseRows(DatasetRowSchema, rows, 'datasets');
  }
}
