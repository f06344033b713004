// cairn-vault's client: signing in and out, sessions, and the superadmins' user management.
#include <unistd.h>

#include <cstdio>

#include "cairn/auth/token_file.hpp"
#include "vault/client_internal.hpp"

namespace cairn::vault::cli {

namespace {

std::string pending_email_file(const ClientSettings& s) { return s.session_file + ".email"; }

// One line per session: id, created, last seen, expiry, address, user agent, "(current)".
void print_sessions(const json& v) {
  for (const auto& x : v["sessions"]) {
    std::printf("%s\t%s\t%s\t%s\t%s\t%s%s\n", x.value("id", "").c_str(),
                x.value("created_at", "").c_str(), x.value("last_seen_at", "").c_str(),
                x.value("expires_at", "").c_str(), x.value("ip", "").c_str(),
                x.value("user_agent", "").c_str(), x.value("current", false) ? "\t(current)" : "");
  }
}

void print_revoked(const json& v) {
  auto n = v.value("revoked", int64_t{0});
  std::printf("revoked %lld session%s\n", static_cast<long long>(n), n == 1 ? "" : "s");
}

void add_sign_in(CLI::App* auth, ClientSettings& s) {
  auto email = std::make_shared<std::string>();
  auto code = std::make_shared<std::string>();
  CLI::App* login = auth->add_subcommand("login", "mail a 6-digit sign-in code");
  login->add_option("--email", *email, "your email address")->required();
  login->callback([&s, email] {
    Api api(s, Api::Credentials::kNone);
    json out = api.call("POST", "/api/auth/login", {{"email", *email}});
    // Remember the email so that `auth verify --code` needs nothing else.
    (void)auth::write_token_file(pending_email_file(s), *email);
    show(s, out, [](const json& v) {
      std::printf("%s; then: cairn-vault auth verify --code <CODE>\n",
                  v.value("message", "").c_str());
    });
  });
  CLI::App* verify = auth->add_subcommand("verify", "exchange the code for a session");
  verify->add_option("--email", *email, "the email the code was sent to (default: the last login)");
  verify->add_option("--code", *code, "the 6-digit code")->required();
  verify->callback([&s, email, code] {
    std::string who = *email;
    if (who.empty()) {
      auto pending = auth::read_token_file(pending_email_file(s));
      if (!pending) usage_error("give --email (no earlier `auth login` to take it from)");
      who = *pending;
    }
    Api api(s, Api::Credentials::kNone);
    api.warn_if_plaintext("your sign-in code");
    json out = api.call("POST", "/api/auth/verify", {{"email", who}, {"code", *code}});
    save_session(s, out.value("token", ""));
    ::unlink(pending_email_file(s).c_str());
    out.erase("token");  // kept in the session file, never printed
    show(s, out, [&s](const json& v) {
      std::printf("signed in as %s%s; session in %s\n", v.value("email", "").c_str(),
                  v.value("superadmin", false) ? " (superadmin)" : "", s.session_file.c_str());
    });
  });
}

void add_session_commands(CLI::App* auth, ClientSettings& s) {
  auth->add_subcommand("whoami", "who the server thinks you are")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/auth/me"), [](const json& v) {
      if (v.value("type", "") == "service_account") {
        std::printf("service account %s\n", v.value("name", "").c_str());
      } else {
        std::printf("%s%s\n", v.value("email", "").c_str(),
                    v.value("superadmin", false) ? " (superadmin)" : "");
      }
    });
  });
  auto all = std::make_shared<bool>(false);
  CLI::App* logout = auth->add_subcommand("logout", "end the session (--all: every session)");
  logout->add_flag("--all", *all, "end every session of yours, this one included");
  logout->callback([&s, all] {
    Api api(s);
    if (*all) {
      json out = api.call("DELETE", "/api/auth/sessions");
      forget_session(s);
      show(s, out, print_revoked);
      return;
    }
    api.call("DELETE", "/api/auth/logout");
    forget_session(s);
    show(s, json{{"signed_out", true}}, [](const json&) { std::printf("signed out\n"); });
  });
  auth->add_subcommand("sessions", "your sessions")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/auth/sessions"), print_sessions);
  });
  auto id = std::make_shared<std::string>();
  CLI::App* revoke = auth->add_subcommand("revoke", "end one of your sessions");
  revoke->add_option("--id", *id, "the session (as `auth sessions` lists it)")->required();
  revoke->callback([&s, id] {
    Api api(s);
    api.call("DELETE", "/api/auth/sessions/" + segment(*id));
    show(s, json{{"revoked", *id}},
         [&](const json&) { std::printf("revoked session %s\n", id->c_str()); });
  });
}

void add_users(CLI::App& app, ClientSettings& s) {
  auto email = std::make_shared<std::string>();
  CLI::App* user = app.add_subcommand("user", "users (superadmins)")->require_subcommand(1);
  user->add_subcommand("list", "every user")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/users"), [](const json& v) {
      for (const auto& u : v["users"]) {
        std::printf("%s\t%s\t%s\t%s\n", u.value("email", "").c_str(), u.value("status", "").c_str(),
                    u.value("superadmin", false) ? "superadmin" : "-",
                    u.value("created_at", "").c_str());
      }
    });
  });
  for (bool disable : {true, false}) {
    CLI::App* cmd = user->add_subcommand(
        disable ? "disable" : "enable", disable ? "stop a user from signing in (their sessions end)"
                                                : "let a disabled user sign in again");
    cmd->add_option("--email", *email, "their email")->required();
    cmd->callback([&s, email, disable] {
      Api api(s);
      show(s, api.call("PATCH", "/api/users/" + segment(*email), {{"disabled", disable}}),
           [](const json& v) {
             std::printf("%s is %s\n", v.value("email", "").c_str(), v.value("status", "").c_str());
           });
    });
  }
  CLI::App* sessions = user->add_subcommand("sessions", "a user's sessions");
  sessions->add_option("--email", *email, "their email")->required();
  sessions->callback([&s, email] {
    Api api(s);
    show(s, api.call("GET", "/api/users/" + segment(*email) + "/sessions"), print_sessions);
  });
  auto id = std::make_shared<std::string>();
  CLI::App* revoke =
      user->add_subcommand("revoke-sessions", "end every session of a user (--id: one)");
  revoke->add_option("--email", *email, "their email")->required();
  revoke->add_option("--id", *id, "only this session (as `user sessions` lists it)");
  revoke->callback([&s, email, id] {
    std::string target = "/api/users/" + segment(*email) + "/sessions";
    Api api(s);
    if (!id->empty()) {
      api.call("DELETE", target + "/" + segment(*id));
      show(s, json{{"revoked", 1}}, print_revoked);
      return;
    }
    show(s, api.call("DELETE", target), print_revoked);
  });

  CLI::App* super =
      app.add_subcommand("superadmin", "superadmins (superadmins)")->require_subcommand(1);
  CLI::App* add = super->add_subcommand("add", "make a user superadmin");
  add->add_option("--email", *email, "their email")->required();
  add->callback([&s, email] {
    Api api(s);
    show(s, api.call("PUT", "/api/superadmins/" + segment(*email)),
         [](const json& v) { std::printf("%s is superadmin\n", v.value("email", "").c_str()); });
  });
  CLI::App* remove = super->add_subcommand("remove", "make a superadmin a user again (not you)");
  remove->add_option("--email", *email, "their email")->required();
  remove->callback([&s, email] {
    Api api(s);
    api.call("DELETE", "/api/superadmins/" + segment(*email));
    show(s, json{{"email", *email}, {"superadmin", false}},
         [&](const json&) { std::printf("%s is no longer superadmin\n", email->c_str()); });
  });
}

}  // namespace

void add_auth(CLI::App& app, ClientSettings& s) {
  CLI::App* auth = app.add_subcommand("auth", "sign in and out, sessions")->require_subcommand(1);
  add_sign_in(auth, s);
  add_session_commands(auth, s);
  add_users(app, s);
}

}  // namespace cairn::vault::cli
