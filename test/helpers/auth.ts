export { idTokenFor, type StaffAccount, smsCodeSent, staffAccount, staffIdTokenFor } from '../../scripts/lib/auth-emulator';
