#define MAX(a,b) ((a)>(b)?(a):(b))
struct point { int x; };
typedef int myint;
static int *make(int n) { return 0; }
int compute(int);
int main(void) { return compute(MAX(1,2)); }
