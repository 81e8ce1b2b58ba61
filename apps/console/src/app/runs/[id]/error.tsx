'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('This run', { href: '/runs', label: 'the runs' });
