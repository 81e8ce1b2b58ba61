'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('This model', { href: '/models', label: 'the models' });
