/** A file-name part from a name people typed: lower-case ASCII words joined by dashes, or the fallback when none is left. */
export function fileSlug(name: string, fallback: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || fallback;
}
