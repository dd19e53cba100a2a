// Real builds on a shared 2-core machine take seconds, not milliseconds.
import { jest } from '@jest/globals';

jest.setTimeout(600_000);
