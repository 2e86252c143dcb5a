// Prints Vitest's JSON result as one plain closing line: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const result = JSON.parse(readFileSync(process.argv[2] ?? 'test-artifacts/vitest.json', 'utf8'));
const skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
console.log(`${result.numPassedTests} passed, ${result.numFailedTests} failed, ${skipped} skipped`);
process.exitCode = result.numFailedTests > 0 || result.numTotalTests === 0 ? 1 : 0;
