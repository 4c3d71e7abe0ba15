pub struct Config { x: i32 }
pub trait Load { fn load(&self); }
impl Load for Config { fn load(&self) { helper(); } }
fn helper() {}
