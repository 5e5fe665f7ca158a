// The umbrella header: everything pprocess offers.
#pragma once

#include "pprocess/channel.hpp"
#include "pprocess/cores.hpp"
#include "pprocess/error.hpp"
#include "pprocess/exchange.hpp"
#include "pprocess/map.hpp"
#include "pprocess/memory.hpp"
#include "pprocess/parallel.hpp"
#include "pprocess/persistent.hpp"
#include "pprocess/process.hpp"
#include "pprocess/queue.hpp"
#include "pprocess/shared.hpp"
