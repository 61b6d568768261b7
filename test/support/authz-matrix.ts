import type { UserRole } from '../../http/context.js';

/** Who may call what (API.md, plus the documented choices where it is silent). `:id` is a real order. */
export const AUTHZ_MATRIX: readonly {
  readonly call: string;
  readonly allowed: readonly UserRole[] | 'public';
}[] = [
  { call: 'GET /products', allowed: 'public' },
  { call: 'POST /orders', allowed: ['customer'] },
  { call: 'GET /orders/:id', allowed: ['customer', 'staff', 'admin'] },
  { call: 'GET /myPages', allowed: ['customer'] },
  { call: 'GET /myPages/:id', allowed: ['customer'] },
  { call: 'GET /ordermanagements', allowed: ['staff'] },
  { call: 'GET /deliveries/:id', allowed: ['customer', 'staff', 'courier', 'admin'] },
  { call: 'GET /payments/:id', allowed: ['customer', 'admin'] },
  { call: 'GET /messages', allowed: ['customer'] },
  { call: 'GET /admin/mailboxes', allowed: ['admin'] },
  { call: 'GET /admin/actors/order/:id', allowed: ['admin'] },
  { call: 'GET /admin/dead-letters', allowed: ['admin'] },
  { call: 'POST /admin/dead-letters/:dl/replay', allowed: ['admin'] },
  // The steps last: an allowed caller moves the shared order on (accepted, packed, cancelled).
  { call: 'POST /ordermanagements/:id/accept', allowed: ['staff'] },
  { call: 'POST /ordermanagements/:id/pack', allowed: ['staff'] },
  { call: 'POST /deliveries/:id/complete', allowed: ['courier', 'admin'] },
  { call: 'POST /orders/:id/cancel', allowed: ['customer'] },
];
