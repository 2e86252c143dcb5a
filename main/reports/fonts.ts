import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Japanese font embedded in PDF reports: Noto Sans JP (SIL Open Font License 1.1), shipped by the
 * npm package @expo-google-fonts/noto-sans-jp as static TTFs. No system font is assumed. A copy in
 * resources/fonts/ (NotoSansJP-Regular.ttf, NotoSansJP-Bold.ttf) takes precedence, for packaged builds
 * that carry the font outside node_modules. pdfkit subsets the font, so a report embeds only the
 * glyphs it uses.
 */

export const REPORT_FONT_FAMILY = 'Noto Sans JP';
const PACKAGE = '@expo-google-fonts/noto-sans-jp';
const PACKAGE_FILES = { regular: '400Regular/NotoSansJP_400Regular.ttf', bold: '700Bold/NotoSansJP_700Bold.ttf' } as const;
const RESOURCE_FILES = { regular: 'NotoSansJP-Regular.ttf', bold: 'NotoSansJP-Bold.ttf' } as const;

export interface ReportFonts {
  family: string;
  regular: Uint8Array;
  bold: Uint8Array;
}

export class ReportFontMissingError extends Error {
  override name = 'ReportFontMissingError';
}

function resourcesFontDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'fonts');
    if (existsSync(join(candidate, RESOURCE_FILES.regular)) && existsSync(join(candidate, RESOURCE_FILES.bold))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export function reportFontPaths(): { regular: string; bold: string } {
  const resources = resourcesFontDir();
  if (resources) return { regular: join(resources, RESOURCE_FILES.regular), bold: join(resources, RESOURCE_FILES.bold) };
  try {
    const require = createRequire(import.meta.url);
    return { regular: require.resolve(`${PACKAGE}/${PACKAGE_FILES.regular}`), bold: require.resolve(`${PACKAGE}/${PACKAGE_FILES.bold}`) };
  } catch (error) {
    throw new ReportFontMissingError(`The report font is missing: install ${PACKAGE} (npm ci) or put ${RESOURCE_FILES.regular} and ${RESOURCE_FILES.bold} in resources/fonts/`, {
      cause: error,
    });
  }
}

let cached: ReportFonts | null = null;

/** Reads the font files once per process (about 11 MB; pdfkit embeds only the glyphs used). */
export function loadReportFonts(): ReportFonts {
  if (!cached) {
    const paths = reportFontPaths();
    cached = { family: REPORT_FONT_FAMILY, regular: readFileSync(paths.regular), bold: readFileSync(paths.bold) };
  }
  return cached;
}
