// Pixel-to-segment mapping with PyGmy's arithmetic.
#include "pygmy/camera.hpp"

namespace pygmy {

Segment Camera::ray(int sx, int sy, int width, int height) const {
  const double w = width;
  const double h = height;
  const double aspect = w / h;
  const double x = 2 * (0.5 - sx / w) * aspect;
  const double y = 2 * (0.5 - sy / h);
  if (projection == Projection::orthographic) {
    return Segment{Point3{x, y, 0}, Point3{x, y, back_plane}};
  }
  return Segment{Point3{0, 0, 0}, Point3{x, y, image_plane} * back_plane};
}

}  // namespace pygmy
