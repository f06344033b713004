// cairn-vault's client: organizations, members, projects, environments, ACL rules and service
// accounts.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cairn/secrets/subject.hpp"
#include "vault/client_internal.hpp"

namespace cairn::vault::cli {

namespace {

// Deleting an org cannot be undone from the client: without --yes, the user types its name.
void confirm_org_deletion(const std::string& name) {
  if (::isatty(STDIN_FILENO) == 0) {
    usage_error("deleting organization " + name +
                    " needs confirmation: run it in a terminal, or give --yes",
                "VAULT_CONFIRMATION_REQUIRED");
  }
  std::fprintf(stderr,
               "This deletes organization %s: its projects, secrets, rules and service accounts "
               "can no longer be reached.\nType its name to confirm: ",
               name.c_str());
  std::fflush(stderr);
  std::string typed;
  std::getline(std::cin, typed);
  if (typed != name) {
    fail_with({ErrorCode::kFailedPrecondition, "VAULT_CONFIRMATION_MISMATCH",
               "the name typed is not " + name + "; nothing was deleted"});
  }
}

void add_org(CLI::App& app, ClientSettings& s) {
  auto name = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  CLI::App* org = app.add_subcommand("org", "organizations")->require_subcommand(1);
  CLI::App* create = org->add_subcommand("create", "create one (you become its owner)");
  create->add_option("name", *name, "its name")->required();
  create->callback([&s, name] {
    Api api(s);
    show(s, api.call("POST", "/api/orgs", {{"name", *name}}),
         [](const json& v) { std::printf("created org %s\n", v.value("name", "").c_str()); });
  });
  org->add_subcommand("list", "the organizations you belong to")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/orgs"), [](const json& v) {
      for (const auto& o : v["orgs"]) std::printf("%s\n", o.value("name", "").c_str());
    });
  });
  CLI::App* del = org->add_subcommand("delete", "soft-delete one (owners); asks to type its name");
  del->add_option("name", *name, "its name")->required();
  del->add_flag("--yes", *yes, "do not ask for confirmation");
  del->callback([&s, name, yes] {
    std::string target = "/api/orgs/" + segment(*name);
    if (!*yes) confirm_org_deletion(*name);
    Api api(s);
    api.call("DELETE", target);
    show(s, json{{"deleted", *name}},
         [&](const json&) { std::printf("deleted %s\n", name->c_str()); });
  });
}

void add_members(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto email = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  CLI::App* member =
      app.add_subcommand("member", "members of an organization")->require_subcommand(1);
  CLI::App* add = member->add_subcommand("add", "add a member or change their role");
  scope_options(add, *scope, false, false);
  add->add_option("--email", *email, "their email")->required();
  add->add_option("--role", *role, "owner, admin, developer or member")->required();
  add->callback([&s, scope, email, role] {
    scope->resolve(false, false);
    Api api(s);
    show(s, api.call("POST", scope->org_path() + "/members", {{"email", *email}, {"role", *role}}),
         [](const json& v) {
           std::printf("%s is %s\n", v.value("email", "").c_str(), v.value("role", "").c_str());
         });
  });
  CLI::App* list = member->add_subcommand("list", "the members and their roles");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    scope->resolve(false, false);
    Api api(s);
    show(s, api.call("GET", scope->org_path() + "/members"), [](const json& v) {
      for (const auto& m : v["members"]) {
        std::printf("%s\t%s\n", m.value("email", "").c_str(), m.value("role", "").c_str());
      }
    });
  });
  CLI::App* remove = member->add_subcommand("remove", "remove a member");
  scope_options(remove, *scope, false, false);
  remove->add_option("--email", *email, "their email")->required();
  remove->callback([&s, scope, email] {
    scope->resolve(false, false);
    Api api(s);
    api.call("DELETE", scope->org_path() + "/members/" + segment(*email));
    show(s, json{{"removed", *email}},
         [&](const json&) { std::printf("removed %s\n", email->c_str()); });
  });
}

// `project` and `env`: create, list, delete under a parent path.
void add_containers(CLI::App& app, ClientSettings& s) {
  for (bool is_env : {false, true}) {
    auto scope = std::make_shared<Scope>();
    auto name = std::make_shared<std::string>();
    const char* noun = is_env ? "env" : "project";
    CLI::App* cmd =
        app.add_subcommand(noun, is_env ? "environments of a project" : "projects of an org")
            ->require_subcommand(1);
    auto base = [scope, is_env] {
      scope->resolve(is_env, false);
      return is_env ? scope->project_path() + "/envs" : scope->org_path() + "/projects";
    };
    CLI::App* create = cmd->add_subcommand("create", "create one");
    scope_options(create, *scope, is_env, false);
    create->add_option("name", *name, "its name")->required();
    create->callback([&s, base, name, noun] {
      std::string path = base();
      Api api(s);
      show(s, api.call("POST", path, {{"name", *name}}), [noun](const json& v) {
        std::printf("created %s %s\n", noun, v.value("name", "").c_str());
      });
    });
    CLI::App* list = cmd->add_subcommand("list", "list them");
    scope_options(list, *scope, is_env, false);
    list->callback([&s, base, is_env] {
      std::string path = base();
      Api api(s);
      show(s, api.call("GET", path),
           [is_env](const json& v) { print_lines(v[is_env ? "environments" : "projects"]); });
    });
    CLI::App* del = cmd->add_subcommand("delete", "soft-delete one");
    scope_options(del, *scope, is_env, false);
    del->add_option("name", *name, "its name")->required();
    del->callback([&s, base, name] {
      std::string path = base() + "/" + segment(*name);
      Api api(s);
      api.call("DELETE", path);
      show(s, json{{"deleted", *name}},
           [&](const json&) { std::printf("deleted %s\n", name->c_str()); });
    });
  }
}

void add_acl(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto email = std::make_shared<std::string>();
  auto subject = std::make_shared<std::string>();
  auto project = std::make_shared<std::string>();
  auto env = std::make_shared<std::string>();
  auto permission = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  CLI::App* acl = app.add_subcommand("acl", "access rules")->require_subcommand(1);
  CLI::App* grant = acl->add_subcommand("grant", "grant (or change) a permission");
  scope_options(grant, *scope, false, false);
  auto* by_email = grant->add_option("--email", *email, "a user");
  auto* by_subject = grant->add_option("--subject", *subject, "a service account's name");
  by_email->excludes(by_subject);
  grant->add_option("--project", *project, "project pattern (glob)")->required();
  grant->add_option("--env", *env, "environment pattern (glob)")->required();
  grant->add_option("--permission", *permission, "read, write or admin")->required();
  grant->callback([&s, scope, email, subject, project, env, permission] {
    scope->resolve(false, false);
    json body = {{"project_pattern", *project}, {"env_pattern", *env}, {"permission", *permission}};
    if (!subject->empty()) {
      body["subject_type"] = "service_account";
      auto named = secrets::Subject::parse(*subject);  // "sa:<name>" or the bare name
      body["name"] = named && named->is_service_account() ? named->name() : *subject;
    } else {
      body["subject_type"] = "user";
      body["email"] = *email;
    }
    Api api(s);
    show(s, api.call("POST", scope->org_path() + "/acl", body), [](const json& v) {
      std::printf("rule %s: %s %s on %s/%s\n", v.value("id", "").c_str(),
                  v.value("subject", "").c_str(), v.value("permission", "").c_str(),
                  v.value("project_pattern", "").c_str(), v.value("env_pattern", "").c_str());
    });
  });
  CLI::App* list = acl->add_subcommand("list", "the rules");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    scope->resolve(false, false);
    Api api(s);
    show(s, api.call("GET", scope->org_path() + "/acl"), [](const json& v) {
      for (const auto& r : v["rules"]) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", r.value("id", "").c_str(),
                    r.value("subject", "").c_str(), r.value("project_pattern", "").c_str(),
                    r.value("env_pattern", "").c_str(), r.value("permission", "").c_str());
      }
    });
  });
  CLI::App* revoke = acl->add_subcommand("revoke", "remove a rule, or every rule of a subject");
  scope_options(revoke, *scope, false, false);
  auto* by_id = revoke->add_option("--id", *id, "the rule");
  auto* of_subject = revoke->add_option("--subject", *subject, "an email or sa:<name>");
  by_id->excludes(of_subject);
  revoke->callback([&s, scope, id, subject] {
    if (id->empty() && subject->empty()) usage_error("give --id or --subject");
    scope->resolve(false, false);
    Api api(s);
    std::string base = scope->org_path() + "/acl";
    std::vector<std::string> ids;
    if (!id->empty()) {
      ids.push_back(*id);
    } else {
      json listed = api.call("GET", base);
      for (const auto& r : listed["rules"]) {
        if (r.value("subject", "") == *subject) ids.push_back(r.value("id", ""));
      }
    }
    for (const std::string& rule : ids) api.call("DELETE", base + "/" + segment(rule));
    show(s, json{{"revoked", ids}}, [&](const json&) {
      std::printf("revoked %zu rule%s\n", ids.size(), ids.size() == 1 ? "" : "s");
    });
  });
}

void add_service_accounts(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto name = std::make_shared<std::string>();
  auto project = std::make_shared<std::string>();
  CLI::App* sa =
      app.add_subcommand("service-account", "API keys for machines")->require_subcommand(1);
  CLI::App* create = sa->add_subcommand("create", "create one; its key is shown once");
  scope_options(create, *scope, false, false);
  create->add_option("--name", *name, "its name")->required();
  create->add_option("--project", *project, "limit it to one project");
  create->callback([&s, scope, name, project] {
    scope->resolve(false, false);
    json body = {{"name", *name}};
    if (!project->empty()) body["project"] = *project;
    Api api(s);
    show(s, api.call("POST", scope->org_path() + "/service-accounts", body), [](const json& v) {
      std::printf("service account %s created; its key (shown once):\n%s\n",
                  v.value("name", "").c_str(), v.value("api_key", "").c_str());
    });
  });
  CLI::App* list = sa->add_subcommand("list", "the live accounts");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    scope->resolve(false, false);
    Api api(s);
    show(s, api.call("GET", scope->org_path() + "/service-accounts"), [](const json& v) {
      for (const auto& a : v["service_accounts"]) {
        std::printf("%s\t%s\n", a.value("name", "").c_str(),
                    a["project"].is_string() ? a["project"].get<std::string>().c_str() : "*");
      }
    });
  });
  CLI::App* revoke = sa->add_subcommand("revoke", "revoke one (its rules go too)");
  scope_options(revoke, *scope, false, false);
  revoke->add_option("--name", *name, "its name")->required();
  revoke->callback([&s, scope, name] {
    scope->resolve(false, false);
    Api api(s);
    api.call("DELETE", scope->org_path() + "/service-accounts/" + segment(*name));
    show(s, json{{"revoked", *name}},
         [&](const json&) { std::printf("revoked %s\n", name->c_str()); });
  });
}

}  // namespace

void add_orgs(CLI::App& app, ClientSettings& s) {
  add_org(app, s);
  add_members(app, s);
  add_containers(app, s);
}

void add_access(CLI::App& app, ClientSettings& s) {
  add_acl(app, s);
  add_service_accounts(app, s);
}

}  // namespace cairn::vault::cli
