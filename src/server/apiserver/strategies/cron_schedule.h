#pragma once
// CronJob schedules, checked as the cron library the controller uses (robfig/cron v3,
// ParseStandard) parses them: five fields (minute hour day-of-month month day-of-week) or a
// descriptor (@daily, @every 1h30m), with that library's error messages.

#include <optional>
#include <string>
#include <string_view>

namespace mk::apiserver {

// nullopt for a schedule that parses, else the parser's message, e.g.
// "expected exactly 5 fields, found 1: [daily]" or "end of range (60) above maximum (59): 60".
std::optional<std::string> check_cron_schedule(std::string_view schedule);

}  // namespace mk::apiserver
