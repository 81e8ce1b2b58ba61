'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('The comparison', { href: '/runs', label: 'the runs' });
