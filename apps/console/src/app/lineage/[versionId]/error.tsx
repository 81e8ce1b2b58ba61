'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('This lineage', { href: '/models', label: 'the models' });
