import type { ApiErrorBody, MethodName } from '../common/contract';
import { MessageSchema } from '../common/messages';

/**
 * The wire between preload/index.ts and main/electron/ipc.ts: one invoke channel per contract method
 * and one push channel for AppEvents. Pure (no electron, no Node), so main, the preload and the
 * renderer's client can all import it.
 */

export const CHANNEL_PREFIX = 'dece:';
export const EVENT_CHANNEL = 'dece:event';

export type MethodChannel = `${typeof CHANNEL_PREFIX}${MethodName}`;

export function methodChannel(method: MethodName): MethodChannel {
  return `${CHANNEL_PREFIX}${method}`;
}

/**
 * What every invoke resolves to. A rejected `ipcMain.handle` reaches the renderer only as
 * "Error invoking remote method …: <toString()>", so failures travel as values and the preload
 * turns them into rejections.
 */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody };

const ERROR_CODES: ReadonlySet<string> = new Set<ApiErrorBody['code']>(['invalid-input', 'not-found', 'conflict', 'failed']);

function isErrorCode(value: unknown): value is ApiErrorBody['code'] {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

export function isIpcReply(value: unknown): value is IpcReply {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  if (value.ok !== false || !('error' in value)) return false;
  const error = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && isErrorCode(error.code) && 'message' in error && typeof error.message === 'string';
}

/**
 * contextBridge copies only an Error's message into the page (its name and own properties are lost),
 * so the code rides in the message: "[not-found] Project 7 does not exist".
 */
export function bridgeErrorMessage(body: ApiErrorBody): string {
  return `[${body.code}] ${body.message}${body.i18n === undefined ? '' : `${I18N_MARK}${JSON.stringify(body.i18n)}`}`;
}

/** Separates the message's id and parameters (JSON) from its English text in a bridged error message. */
export const I18N_MARK = '\n\u0000i18n:';

/** The page side: recovers {code, message} from an Error the preload rejected with (or says 'failed'). */
export function parseBridgeError(error: unknown): ApiErrorBody {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^\[([a-z-]+)\] ([\s\S]*)$/.exec(message);
  if (match?.[1] !== undefined && match[2] !== undefined && isErrorCode(match[1])) {
    const [text = '', json] = match[2].split(I18N_MARK);
    const i18n = json === undefined ? undefined : MessageSchema.safeParse(parseJson(json));
    return { code: match[1], message: text, ...(i18n?.success ? { i18n: i18n.data } : {}) };
  }
  return { code: 'failed', message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
