// The interfaces the core needs, one file per thing they are about. Import
// them from here: this file is the one import point, and nothing under ports/
// imports from the adapters (deploy/, github/, ...) or from what runs them.
export type * from './ports/cluster.ts';
export type * from './ports/chart.ts';
export type * from './ports/records.ts';
export type * from './ports/comment.ts';
export type * from './ports/github.ts';
export type * from './ports/traffic.ts';
export type * from './ports/observability.ts';
