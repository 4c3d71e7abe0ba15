namespace geo {
class Shape { public: virtual double area() const; };
double Shape::area() const { return 0; }
}
int run() { geo::Shape s; return s.area(); }
