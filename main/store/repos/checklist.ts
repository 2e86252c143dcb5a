import { z } from 'zod';
import { immediate, requireId, requireText, type StoreContext } from '../context';
import { StoreNotFoundError, StoreValidationError } from '../errors';
import { parseRow, parseRows } from '../json';
import { STAGES, type ChecklistItem, type StageName } from '../types';
import { writeAudit } from './audit';
import { touchProject } from './projects';
import { requireStage } from './stages';

const ItemRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    stage: z.enum(STAGES),
    position: z.int(),
    text: z.string(),
    done: z.union([z.literal(0), z.literal(1)]),
    done_by: z.string().nullable(),
    done_at: z.string().nullable(),
    note: z.string().nullable(),
  })
  .transform(
    (r): ChecklistItem => ({
      id: r.id,
      projectId: r.project_id,
      stage: r.stage,
      position: r.position,
      text: r.text,
      done: r.done === 1,
      doneBy: r.done_by,
      doneAt: r.done_at,
      note: r.note,
    }),
  );

const SELECT_ITEM = 'SELECT id, project_id, stage, position, text, done, done_by, done_at, note FROM checklist_items';
const MAX_TEXT = 2000;

export interface AddItemInput {
  text: string;
  actor: string;
}

export interface UpdateItemInput {
  text?: string;
  /** null clears the note. */
  note?: string | null;
  actor: string;
}

export interface ToggleItemInput {
  /** Defaults to flipping the current state. */
  done?: boolean;
  actor: string;
  /** Replaces the note when given (null clears it). */
  note?: string | null;
}

export interface MoveItemInput {
  /** 0-based target position within the stage; clamped to the list. */
  position: number;
  actor: string;
}

export class ChecklistRepo {
  constructor(private readonly ctx: StoreContext) {}

  private find(id: number): ChecklistItem | undefined {
    const row = this.ctx.stmt(`${SELECT_ITEM} WHERE id = ?`).get(id);
    return row === undefined ? undefined : parseRow(ItemRowSchema, row, `checklist_items id=${id}`);
  }

  private require(id: number): ChecklistItem {
    const item = this.find(requireId(id, 'checklist item id'));
    if (item === undefined) throw new StoreNotFoundError('Checklist item', id);
    return item;
  }

  /** Renumbers 0..n-1 in the given order, so positions never drift into gaps or ties. */
  private renumber(ids: readonly number[]): void {
    const update = this.ctx.stmt('UPDATE checklist_items SET position = ? WHERE id = ? AND position <> ?');
    ids.forEach((id, position) => update.run(position, id, position));
  }

  list(projectId: number, stage: StageName): ChecklistItem[] {
    const rows = this.ctx.stmt(`${SELECT_ITEM} WHERE project_id = ? AND stage = ? ORDER BY position, id`).all(projectId, stage);
    return parseRows(ItemRowSchema, rows, `checklist of ${projectId}/${stage}`);
  }

  get(id: number): ChecklistItem | undefined {
    return this.find(id);
  }

  /** Appends at the end of the stage's list. */
  add(projectId: number, stage: StageName, input: AddItemInput): ChecklistItem {
    const { ctx } = this;
    const text = requireText(input.text, 'checklist text', MAX_TEXT);
    return immediate(ctx.db, () => {
      requireStage(ctx, projectId, stage);
      const id = Number(
        ctx
          .stmt(
            `INSERT INTO checklist_items (project_id, stage, position, text)
             VALUES (@projectId, @stage,
               (SELECT coalesce(max(position) + 1, 0) FROM checklist_items WHERE project_id = @projectId AND stage = @stage),
               @text)`,
          )
          .run({ projectId, stage, text }).lastInsertRowid,
      );
      touchProject(ctx, projectId);
      writeAudit(ctx, { actor: input.actor, action: 'checklist.add', subject: `checklist:${id}`, projectId, detail: { stage, text } });
      return this.require(id);
    });
  }

  update(id: number, input: UpdateItemInput): ChecklistItem {
    const { ctx } = this;
    const text = input.text === undefined ? undefined : requireText(input.text, 'checklist text', MAX_TEXT);
    if (input.note != null && input.note.length > MAX_TEXT) throw new StoreValidationError(`note is longer than ${MAX_TEXT} characters`);
    return immediate(ctx.db, () => {
      const before = this.require(id);
      const after = { text: text ?? before.text, note: input.note === undefined ? before.note : input.note };
      ctx.stmt('UPDATE checklist_items SET text = ?, note = ? WHERE id = ?').run(after.text, after.note, id);
      touchProject(ctx, before.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'checklist.edit',
        subject: `checklist:${id}`,
        projectId: before.projectId,
        detail: { stage: before.stage, from: { text: before.text, note: before.note }, to: after },
      });
      return this.require(id);
    });
  }

  /** Ticks or unticks, recording who and when (cleared on untick; the audit log keeps history). */
  toggle(id: number, input: ToggleItemInput): ChecklistItem {
    const { ctx } = this;
    const actor = requireText(input.actor, 'actor', 200);
    if (input.note != null && input.note.length > MAX_TEXT) throw new StoreValidationError(`note is longer than ${MAX_TEXT} characters`);
    return immediate(ctx.db, () => {
      const before = this.require(id);
      const done = input.done ?? !before.done;
      const at = ctx.now();
      const note = input.note === undefined ? before.note : input.note;
      ctx
        .stmt('UPDATE checklist_items SET done = ?, done_by = ?, done_at = ?, note = ? WHERE id = ?')
        .run(done ? 1 : 0, done ? actor : null, done ? at : null, note, id);
      touchProject(ctx, before.projectId);
      writeAudit(ctx, {
        actor,
        action: 'checklist.toggle',
        subject: `checklist:${id}`,
        projectId: before.projectId,
        detail: { stage: before.stage, text: before.text, done, wasDone: before.done, note },
      });
      return this.require(id);
    });
  }

  /** Moves an item within its stage; returns the stage's list in its new order. */
  move(id: number, input: MoveItemInput): ChecklistItem[] {
    const { ctx } = this;
    if (!Number.isInteger(input.position)) throw new StoreValidationError('position must be an integer');
    return immediate(ctx.db, () => {
      const item = this.require(id);
      const others = this.list(item.projectId, item.stage).filter((i) => i.id !== id).map((i) => i.id);
      const to = Math.min(Math.max(input.position, 0), others.length);
      others.splice(to, 0, id);
      this.renumber(others);
      touchProject(ctx, item.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'checklist.move',
        subject: `checklist:${id}`,
        projectId: item.projectId,
        detail: { stage: item.stage, from: item.position, to },
      });
      return this.list(item.projectId, item.stage);
    });
  }

  remove(id: number, input: { actor: string }): void {
    const { ctx } = this;
    immediate(ctx.db, () => {
      const item = this.require(id);
      ctx.stmt('DELETE FROM checklist_items WHERE id = ?').run(id);
      this.renumber(this.list(item.projectId, item.stage).map((i) => i.id));
      touchProject(ctx, item.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'checklist.remove',
        subject: `checklist:${id}`,
        projectId: item.projectId,
        detail: { stage: item.stage, text: item.text, done: item.done, note: item.note },
      });
    });
  }
}
