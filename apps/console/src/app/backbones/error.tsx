'use client';

import { routeError } from '@/components/ErrorState';

export default routeError('The backbones');
