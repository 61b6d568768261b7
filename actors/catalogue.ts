/** The store's appliances. Prices are integers in minor units (cents), so sums never round. */
export interface Product {
  readonly id: string;
  readonly name: string;
  /** Minor units: 49900 is EUR 499.00. */
  readonly price: number;
  readonly currency: 'EUR';
}

/** What `GET /products` lists. */
export const CATALOGUE: readonly Product[] = Object.freeze([
  { id: 'wm-100', name: 'Washing machine WM-100', price: 49_900, currency: 'EUR' },
  { id: 'fr-200', name: 'Fridge-freezer FR-200', price: 79_900, currency: 'EUR' },
  { id: 'dw-300', name: 'Dishwasher DW-300', price: 39_900, currency: 'EUR' },
  { id: 'ov-400', name: 'Built-in oven OV-400', price: 34_900, currency: 'EUR' },
  { id: 'vc-500', name: 'Vacuum cleaner VC-500', price: 14_990, currency: 'EUR' },
] as const);

const byId = new Map(CATALOGUE.map((p) => [p.id, p]));

/** The product with that id, or undefined for an unknown one (the edge answers 400 `validation`). */
export function findProduct(id: string): Product | undefined {
  return byId.get(id);
}
