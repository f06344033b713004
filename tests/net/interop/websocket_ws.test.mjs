// Placeholder: being written (issue 22).
import { test } from 'node:test';
test('placeholder', () => {});
