import { z } from 'zod';
import { immediate, requireId, requireText, rowId, type StoreContext } from '../context';
import { StoreNotFoundError } from '../errors';
import { parseRow, parseRows } from '../json';
import { DEFAULT_PLAN, DEFAULT_THRESHOLDS, STAGES, type Project } from '../types';
import { writeAudit } from './audit';

const ProjectRowSchema = z
  .object({
    id: z.int(),
    name: z.string(),
    description: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .transform((r): Project => ({
    id: r.id,
    name: r.name,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));

const SELECT_PROJECT = 'SELECT id, name, description, created_at, updated_at FROM projects';

export function getProject(ctx: StoreContext, id: number): Project | undefined {
  const row = ctx.stmt(`${SELECT_PROJECT} WHERE id = ?`).get(id);
  return row === undefined ? undefined : parseRow(ProjectRowSchema, row, `projects id=${id}`);
}

export function requireProject(ctx: StoreContext, id: number): Project {
  const project = getProject(ctx, requireId(id, 'projectId'));
  if (project === undefined) throw new StoreNotFoundError('Project', id);
  return project;
}

export interface CreateProjectInput {
  name: string;
  description?: string;
  actor: string;
}

export interface RenameProjectInput {
  name: string;
  /** Left unchanged when omitted. */
  description?: string;
  actor: string;
}

export class ProjectsRepo {
  constructor(private readonly ctx: StoreContext) {}

  /** Creates the project with its three stages (pilot active) and the default checklist, atomically. */
  create(input: CreateProjectInput): Project {
    const { ctx } = this;
    const name = requireText(input.name, 'project name', 200);
    const description = input.description ?? '';
    return immediate(ctx.db, () => {
      const now = ctx.now();
      const id = rowId(
        ctx
          .stmt('INSERT INTO projects (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)')
          .run(name, description, now, now),
      );
      const insertStage = ctx.stmt('INSERT INTO stages (project_id, stage, status, thresholds) VALUES (?, ?, ?, ?)');
      const insertItem = ctx.stmt('INSERT INTO checklist_items (project_id, stage, position, text) VALUES (?, ?, ?, ?)');
      for (const stage of STAGES) {
        insertStage.run(id, stage, stage === 'pilot' ? 'active' : 'locked', JSON.stringify(DEFAULT_THRESHOLDS[stage]));
        DEFAULT_PLAN[stage].forEach((text, position) => insertItem.run(id, stage, position, text));
      }
      writeAudit(ctx, { actor: input.actor, action: 'project.create', subject: `project:${id}`, projectId: id, detail: { name } });
      return requireProject(ctx, id);
    });
  }

  list(): Project[] {
    return parseRows(ProjectRowSchema, this.ctx.stmt(`${SELECT_PROJECT} ORDER BY id`).all(), 'projects');
  }

  get(id: number): Project | undefined {
    return getProject(this.ctx, id);
  }

  rename(id: number, input: RenameProjectInput): Project {
    const { ctx } = this;
    const name = requireText(input.name, 'project name', 200);
    return immediate(ctx.db, () => {
      const before = requireProject(ctx, id);
      const description = input.description ?? before.description;
      ctx.stmt('UPDATE projects SET name = ?, description = ?, updated_at = ? WHERE id = ?').run(name, description, ctx.now(), id);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'project.rename',
        subject: `project:${id}`,
        projectId: id,
        detail: { from: { name: before.name, description: before.description }, to: { name, description } },
      });
      return requireProject(ctx, id);
    });
  }
}

/** Any change inside a project counts as activity, so "recently updated" lists stay truthful. */
export function touchProject(ctx: StoreContext, projectId: number): void {
  ctx.stmt('UPDATE projects SET updated_at = ? WHERE id = ?').run(ctx.now(), projectId);
}
