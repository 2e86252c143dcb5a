/** Saves text as a file through a temporary object URL (works in a tab and in Electron). */
export function downloadText(fileName: string, text: string, type: string): void {
  // A BOM so spreadsheet programs read UTF-8 names (Japanese run names, for one) correctly.
  downloadBlob(fileName, new Blob(['\uFEFF', text], { type }));
}

/** Saves a blob through a temporary link: the same path in Electron and in a browser tab. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}
