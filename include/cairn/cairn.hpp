// cairn: the umbrella header. Includes every public C++ header of the engine.
//
// Thread-safety and ownership are stated in each header.
#pragma once

#include "cairn/access/check.hpp"
#include "cairn/access/service.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/auth/email.hpp"
#include "cairn/auth/jwt.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/auth/token.hpp"
#include "cairn/auth/token_file.hpp"
#include "cairn/board/posts.hpp"
#include "cairn/board/service.hpp"
#include "cairn/content/blob_store.hpp"
#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"
#include "cairn/core/bytes.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/error.hpp"
#include "cairn/core/json_text.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/field_cipher.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/password.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/crypto/sign.hpp"
#include "cairn/engine.hpp"
#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/dag.hpp"
#include "cairn/jobs/retry.hpp"
#include "cairn/jobs/scheduler.hpp"
#include "cairn/jobs/store.hpp"
#include "cairn/jobs/task.hpp"
#include "cairn/records/record.hpp"
#include "cairn/records/service.hpp"
#include "cairn/records/store.hpp"
#include "cairn/secrets/glob.hpp"
#include "cairn/secrets/keyring.hpp"
#include "cairn/secrets/service.hpp"
#include "cairn/storage/database.hpp"
#include "cairn/storage/meta_store.hpp"
#include "cairn/version.h"

namespace cairn {

// The library's version, "MAJOR.MINOR.PATCH" (CAIRN_VERSION_STRING of the build).
const char* version() noexcept;

}  // namespace cairn
