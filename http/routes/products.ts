/** `GET /products`: the catalogue, for anyone. */
import { z } from 'zod';
import { CATALOGUE } from '../../actors/catalogue.js';
import { route, type Route } from '../route.js';
import { Product } from '../schemas.js';

export function productRoutes(): Route[] {
  return [
    route({
      method: 'get',
      path: '/products',
      summary: 'The appliances on sale (prices in minor units)',
      tag: 'catalogue',
      access: 'public',
      responses: { 200: { description: 'The catalogue', schema: z.array(Product) } },
      handle(ctx) {
        ctx.body = CATALOGUE.map((p) => ({ id: p.id, name: p.name, price: p.price, currency: p.currency }));
        return Promise.resolve();
      },
    }),
  ];
}
