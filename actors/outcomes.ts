/** Answers the actors give to the edge's requests (http/ports.ts re-exports them). */

/** Outcome of a staff, courier or customer step on an existing order. */
export type StepOutcome =
  | { readonly kind: 'ok'; readonly status: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-cancellable'; readonly status: string }
  | { readonly kind: 'invalid-transition'; readonly status: string };

/** ms since epoch → ISO 8601, the form every view shows. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
