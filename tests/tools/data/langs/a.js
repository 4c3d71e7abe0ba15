function topLevel(a) { return helper(a); }
const arrow = (x) => x + 1;
class Widget extends Base { render() { return this.paint(); } }
