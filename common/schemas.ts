import { z } from 'zod';

/** Field schemas shared by every part of the contract (kept apart so contract files can import them without a cycle). */

export const STAGE_NAMES = ['pilot', 'benchmark', 'production'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const Id = z.int().min(1);
export const Timestamp = z.string();
/** Names and free text typed by people: bounded, never interpreted as markup. */
export const Name = z.string().trim().min(1).max(200);
export const Text = z.string().max(10_000);
export const Actor = z.string().trim().min(1).max(120);
