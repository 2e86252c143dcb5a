import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChecklistItem, Stage } from '../../common/contract';
import { useFormat } from '../lib/format';
import { useActor } from '../state/actor';
import { useApi } from '../state/connection';
import { useToasts } from '../state/toasts';

interface ChecklistProps {
  projectId: number;
  stage: Stage;
  items: readonly ChecklistItem[];
  onChanged: () => void;
}

export function Checklist({ projectId, stage, items, onChanged }: ChecklistProps) {
  const { t } = useTranslation();
  const api = useApi();
  const { ensureActor } = useActor();
  const { showError } = useToasts();
  const [newText, setNewText] = useState('');
  const [busy, setBusy] = useState(false);
  const done = items.filter((item) => item.done).length;

  /** Runs one change as the current actor; false when it failed (the caller keeps what was typed). */
  const act = async (change: (actor: string) => Promise<unknown>): Promise<boolean> => {
    const actor = await ensureActor();
    if (actor === null) return false;
    setBusy(true);
    try {
      await change(actor);
      onChanged();
      return true;
    } catch (error) {
      showError(error);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async () => {
    const ok = await act((actor) => api['checklist.add']({ projectId, stage: stage.stage, text: newText, actor }));
    if (ok) setNewText('');
  };

  return (
    <section className="card grow" aria-labelledby="checklist-title" data-testid="checklist">
      <div className="card-head">
        <h3 id="checklist-title">{t('checklist.title')}</h3>
        <span className="muted" data-testid="checklist-count">
          {t('checklist.count', { done, total: items.length })}
        </span>
      </div>
      <div className="meter" aria-hidden="true">
        <div className="meter-fill" style={{ width: `${items.length === 0 ? 0 : (100 * done) / items.length}%` }} />
      </div>
      {items.length === 0 && <p className="empty">{t('checklist.empty')}</p>}
      <ol className="checklist">
        {items.map((item, index) => (
          <ChecklistRow
            key={item.id}
            item={item}
            first={index === 0}
            last={index === items.length - 1}
            busy={busy}
            onToggle={(checked) => act((actor) => api['checklist.toggle']({ projectId, itemId: item.id, done: checked, actor }))}
            onEdit={(text) => act((actor) => api['checklist.update']({ projectId, itemId: item.id, text, actor }))}
            onMove={(delta) => act(() => api['checklist.move']({ projectId, itemId: item.id, position: Math.max(0, index + delta) }))}
            onRemove={() => act((actor) => api['checklist.remove']({ projectId, itemId: item.id, actor }))}
          />
        ))}
      </ol>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label className="sr-only" htmlFor={`checklist-new-${stage.stage}`}>
          {t('checklist.newItem')}
        </label>
        <input
          id={`checklist-new-${stage.stage}`}
          value={newText}
          maxLength={200}
          placeholder={t('checklist.newItemPlaceholder')}
          data-testid="checklist-new-text"
          onChange={(event) => {
            setNewText(event.target.value);
          }}
        />
        <button type="submit" className="button" disabled={busy || newText.trim() === ''} data-testid="checklist-add">
          {t('checklist.add')}
        </button>
      </form>
    </section>
  );
}

interface RowProps {
  item: ChecklistItem;
  first: boolean;
  last: boolean;
  busy: boolean;
  onToggle: (done: boolean) => Promise<boolean>;
  onEdit: (text: string) => Promise<boolean>;
  onMove: (delta: -1 | 1) => Promise<boolean>;
  onRemove: () => Promise<boolean>;
}

function ChecklistRow({ item, first, last, busy, onToggle, onEdit, onMove, onRemove }: RowProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const [editing, setEditing] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const checkboxId = `check-${item.id}`;

  const save = async () => {
    if (editing === null) return;
    if (await onEdit(editing)) setEditing(null);
  };

  return (
    <li className={`checklist-item${item.done ? ' done' : ''}`} data-testid="checklist-item" data-item-id={item.id} data-done={item.done}>
      <input
        id={checkboxId}
        type="checkbox"
        checked={item.done}
        disabled={busy}
        data-testid="checklist-toggle"
        onChange={(event) => {
          void onToggle(event.target.checked);
        }}
      />
      <div className="checklist-body">
        {editing === null ? (
          <label htmlFor={checkboxId} className="checklist-text" data-testid="checklist-text">
            {item.text}
          </label>
        ) : (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void save();
            }}
          >
            <input
              autoFocus
              value={editing}
              maxLength={200}
              aria-label={t('checklist.editText')}
              data-testid="checklist-edit-input"
              onChange={(event) => {
                setEditing(event.target.value);
              }}
              onKeyDown={(event) => {
                if (event.key === 'Escape') {
                  event.preventDefault();
                  setEditing(null);
                }
              }}
            />
            <button type="submit" className="button small primary" disabled={busy || editing.trim() === ''} data-testid="checklist-edit-save">
              {t('common.save')}
            </button>
            <button
              type="button"
              className="button small"
              onClick={() => {
                setEditing(null);
              }}
            >
              {t('common.cancel')}
            </button>
          </form>
        )}
        {item.done && item.doneBy !== null && (
          <span className="checklist-meta" data-testid="checklist-done-by">
            {t('checklist.doneBy', { name: item.doneBy, date: item.doneAt === null ? '—' : format.dateTime(item.doneAt) })}
          </span>
        )}
        {item.note !== null && item.note !== '' && <span className="checklist-meta">{item.note}</span>}
      </div>
      {editing === null && (
        <div className="row-tools">
          <button
            type="button"
            className="icon-button"
            disabled={busy}
            aria-label={t('checklist.edit')}
            title={t('checklist.edit')}
            data-testid="checklist-edit"
            onClick={() => {
              setEditing(item.text);
            }}
          >
            ✎
          </button>
          <button
            type="button"
            className="icon-button"
            disabled={busy || first}
            aria-label={t('checklist.moveUp')}
            title={t('checklist.moveUp')}
            data-testid="checklist-up"
            onClick={() => {
              void onMove(-1);
            }}
          >
            ↑
          </button>
          <button
            type="button"
            className="icon-button"
            disabled={busy || last}
            aria-label={t('checklist.moveDown')}
            title={t('checklist.moveDown')}
            data-testid="checklist-down"
            onClick={() => {
              void onMove(1);
            }}
          >
            ↓
          </button>
          {confirmDelete ? (
            <>
              <button
                type="button"
                className="button small danger"
                disabled={busy}
                data-testid="checklist-delete-confirm"
                onClick={() => {
                  void onRemove().then((ok) => {
                    if (!ok) setConfirmDelete(false);
                  });
                }}
              >
                {t('checklist.confirmDelete')}
              </button>
              <button
                type="button"
                className="button small"
                onClick={() => {
                  setConfirmDelete(false);
                }}
              >
                {t('common.cancel')}
              </button>
            </>
          ) : (
            <button
              type="button"
              className="icon-button"
              disabled={busy}
              aria-label={t('checklist.delete')}
              title={t('checklist.delete')}
              data-testid="checklist-delete"
              onClick={() => {
                setConfirmDelete(true);
              }}
            >
              ✕
            </button>
          )}
        </div>
      )}
    </li>
  );
}
