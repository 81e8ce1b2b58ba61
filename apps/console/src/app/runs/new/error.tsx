'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('The New run form', { href: '/runs', label: 'the runs' });
