/**
 * Who may call the API over IPC: the main frame of one of our windows, showing one of our pages.
 * Structural types stand in for Electron's IpcMainInvokeEvent / WebContents / WebFrameMain, so this runs
 * (and is tested) without Electron.
 */

export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly frameToken: string;
}

export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
}

export interface IpcEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

export interface SenderPolicyOptions {
  /** True for the webContents of a window this app created (not a devtools or foreign webContents). */
  isOwnWebContents: (contents: WebContentsLike) => boolean;
  isAppUrl: (url: string) => boolean;
}

export function createSenderCheck(options: SenderPolicyOptions): (event: IpcEventLike) => boolean {
  return (event) => {
    try {
      // null once the frame navigated away or was destroyed while the call was in flight.
      const frame = event.senderFrame;
      if (frame === null || frame.parent !== null) return false;
      if (!options.isOwnWebContents(event.sender)) return false;
      // The sending frame must be that window's main frame (compared by value: token and process).
      const main = event.sender.mainFrame;
      if (frame.frameToken !== main.frameToken || frame.processId !== main.processId) return false;
      return options.isAppUrl(frame.url);
    } catch {
      // Electron throws when a destroyed webContents or frame is touched: not a caller we serve.
      return false;
    }
  };
}
