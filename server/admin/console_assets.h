// The web console (console.html), compiled into arbord so the admin port
// serves it with nothing fetched from elsewhere.
#pragma once

#include <string>

namespace arbor::admin {

const std::string& ConsoleHtml();

}  // namespace arbor::admin
