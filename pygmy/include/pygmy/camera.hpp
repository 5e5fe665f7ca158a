// PyGmy's camera: one segment per pixel, from the eye through the image plane to the back plane.
#pragma once

#include "pygmy/maths.hpp"

namespace pygmy {

// Maps pixels to primary segments. Pixel (sx, sy) looks through x = 2(0.5 − sx/W)·W/H,
// y = 2(0.5 − sy/H): no half-pixel offset, +x to the left of the image, +y up, +z forward.
//   Camera camera;  // perspective, image plane 5, back plane 2000
//   Segment ray = camera.ray(150, 100, 300, 200);
struct Camera {
  // How pixels map to segments.
  enum class Projection {
    perspective,   // from the origin to (x, y, image_plane)·back_plane
    orthographic,  // from (x, y, 0) to (x, y, back_plane), PyGmy's unused "ortho" camera
  };

  Projection projection = Projection::perspective;  // the kind of camera
  double image_plane = 5.0;    // distance of the image plane; sets the field of view
  double back_plane = 2000.0;  // nothing at or beyond this depth is visible

  // The primary segment for pixel (sx, sy) of a width × height image.
  //   Segment ray = camera.ray(0, 0, 300, 200);   // top-left pixel
  //   double far = ray.end.z;                     // 10000 for the default camera
  [[nodiscard]] Segment ray(int sx, int sy, int width, int height) const;

  friend bool operator==(const Camera&, const Camera&) = default;
};

}  // namespace pygmy
