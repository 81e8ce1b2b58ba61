'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('This page', { href: '/runs', label: 'the runs' });
