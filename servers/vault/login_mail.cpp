#include "vault/login_mail.hpp"

#include <nlohmann/json.hpp>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::vault {

namespace {

constexpr std::string_view kKind = "vault.mail";

// The sealed code is bound to its recipient: a task edited to mail it elsewhere fails to open.
std::string aad_for(std::string_view email) {
  return "cairn-vault login code\n" + std::string(email);
}

}  // namespace

Status register_login_mail(VaultContext& ctx) {
  return ctx.engine.jobs().register_kind(
      std::string(kKind), [&ctx](jobs::TaskContext& task) -> Result<std::string> {
        nlohmann::json input = nlohmann::json::parse(task.input(), nullptr, false);
        if (!input.is_object() || !input["to"].is_string() || !input["sealed"].is_string()) {
          return fail(ErrorCode::kInvalidArgument, "VAULT_MAIL_TASK_INVALID",
                      "a mail task without a recipient or a sealed code");
        }
        std::string to = input["to"].get<std::string>();
        auto sealed = encoding::hex_decode(input["sealed"].get<std::string>());
        if (!sealed) return fail(sealed.error());
        auto code = crypto::aes_gcm_decrypt(ctx.mail_key, *sealed, as_bytes(aad_for(to)));
        if (!code) {
          // Sealed under another master key (rotated meanwhile) or altered: the code is lost,
          // and the user asks for a new one.
          if (ctx.log) ctx.log("mail to " + to + " dropped: its sealed code does not open");
          return fail(code.error());
        }
        Mail mail;
        mail.to = to;
        mail.subject = "Your cairn-vault sign-in code";
        mail.body = "Your sign-in code is " +
                    std::string(reinterpret_cast<const char*>(code->data()), code->size()) +
                    ".\n\nIt expires in 10 minutes and works once. If you did not ask for it, "
                    "ignore this mail.\n";
        crypto::secure_wipe(*code);
        Status sent = ctx.mailer.send(mail);
        crypto::secure_wipe({reinterpret_cast<uint8_t*>(mail.body.data()), mail.body.size()});
        if (!sent) {
          // The operator sees the cause (the client was only told the code was sent).
          if (ctx.log) {
            ctx.log("mail to " + to + " failed (attempt " + std::to_string(task.attempt()) +
                    "): " + sent.error().to_string());
          }
          return fail(sent.error());
        }
        return std::string("{}");
      });
}

Status queue_login_mail(VaultContext& ctx, std::string_view email, std::string_view code) {
  CAIRN_ASSIGN_OR_RETURN(Bytes sealed, crypto::aes_gcm_encrypt(ctx.mail_key, as_bytes(code),
                                                               as_bytes(aad_for(email))));
  nlohmann::json input = {{"to", email}, {"sealed", encoding::hex_encode(sealed)}};
  jobs::EnqueueOptions options;
  options.input = input.dump();
  options.key = "vault.mail:" + std::string(email);  // a newer code replaces a pending mail
  options.priority = jobs::Priority::kHigh;
  options.retry = jobs::RetryPolicy{std::chrono::seconds(2), std::chrono::seconds(20), 4, false};
  options.timeout = std::chrono::seconds(60);
  CAIRN_TRY(ctx.engine.jobs().enqueue(std::string(kKind), options));
  return ok_status();
}

}  // namespace cairn::vault
