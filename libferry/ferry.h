/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libferry: the client library of the Ferry background transfer service.
 * Include this header only; the others are its parts. */
#define FERRY_INSIDE
#include "ferry-error.h"
#include "ferry-enums.h"
#include "ferry-enum-types.h"
#include "ferry-transfer.h"
#include "ferry-downloader.h"
#include "ferry-uploader.h"
#include "ferry-manager.h"
#undef FERRY_INSIDE
