export { idTokenFor } from '../../scripts/lib/auth-emulator';
