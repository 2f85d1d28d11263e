import { useBackend } from '@descent/core';

await useBackend('cpu');
