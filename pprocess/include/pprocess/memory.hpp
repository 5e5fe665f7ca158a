// Memory that created processes do not inherit: for a creator's large buffers.
#pragma once

#include <memory_resource>

namespace pprocess {

/// A memory resource whose every allocation is a mapping of its own that fork leaves out of
/// created processes (MADV_DONTFORK), with its pages made present at once (MAP_POPULATE).
/// A large buffer filled while processes are being created (an image that results are
/// received into, say) then costs nothing at each fork: fork copies no page table entries for
/// it, and the creator's writes to it are not copy-on-write faults. A created process must not
/// touch such memory: its pages do not exist there.
///   std::pmr::vector<std::uint8_t> image(bytes, pprocess::not_inherited_memory());
///   pprocess::start(work);  // the child does not get the image's pages
[[nodiscard]] std::pmr::memory_resource* not_inherited_memory() noexcept;

}  // namespace pprocess
