public class Account { public Account() {} void deposit(int n) { audit(n); } }
interface Audited {}
