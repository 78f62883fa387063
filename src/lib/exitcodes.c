/* exitcodes.c - see exitcodes.h */
#include "exitcodes.h"

const char *exit_meaning(int code)
{
	switch (code) {
	case SOSR_EXIT_OK: return "ok";
	case SOSR_EXIT_FINDINGS: return "findings";
	case SOSR_EXIT_USAGE: return "usage or configuration error";
	case SOSR_EXIT_AUTH: return "credentials rejected";
	case SOSR_EXIT_NETWORK: return "service unreachable";
	case SOSR_EXIT_API: return "API error";
	case SOSR_EXIT_INCOMPLETE: return "incomplete fetch";
	case SOSR_EXIT_DATA: return "invalid data";
	case SOSR_EXIT_ALERT: return "alert not delivered";
	case SOSR_EXIT_IO: return "file I/O error";
	case SOSR_EXIT_INTERNAL: return "internal error";
	case SOSR_EXIT_SUSPECT: return "suspect drop of a population";
	case SOSR_EXIT_LOCKER: return "evidence not pushed";
	case 128 + 13: return "killed by SIGPIPE";
	default: return code > 128 ? "killed by a signal" : "unknown exit status";
	}
}

const char *exit_runbook(int code)
{
	switch (code) {
	case SOSR_EXIT_OK:
	case SOSR_EXIT_FINDINGS: return "";
	case SOSR_EXIT_USAGE:
		return "the configuration or the job is wrong at the key or variable the error names: fix the "
		       "file (docs/CONFIG.md) or the Jenkins credential binding (docs/jenkins.md)";
	case SOSR_EXIT_AUTH:
		return "the token or API key the error names was rejected (expired, rotated or revoked): get a "
		       "new one for the functional ID and update the Jenkins credential";
	case SOSR_EXIT_NETWORK:
		return "the service could not be reached: rerun once; if it repeats, check DNS, the proxy and "
		       "the firewall by the curl error the message gives";
	case SOSR_EXIT_API:
		return "the API kept answering errors through every retry: rerun later; if it persists, raise "
		       "a ticket with the API's owners with the text below";
	case SOSR_EXIT_INCOMPLETE:
		return "the API returned fewer or more records than it said it has: rerun; if it repeats, "
		       "lower the concurrency and report it to the API's owners with run.log";
	case SOSR_EXIT_DATA:
		return "a stage refused its input: keep the run's files and report it with them";
	case SOSR_EXIT_ALERT:
		return "the alert was not delivered: check the alert target's credential binding";
	case SOSR_EXIT_IO:
		return "a file could not be written: free space on the output disk (and TMPDIR) and rerun";
	case SOSR_EXIT_INTERNAL:
		return "an internal error: keep the run's files (run.log, manifest.json) and report it";
	case SOSR_EXIT_SUSPECT:
		return "a population dropped sharply since the last complete run: check the source the "
		       "message names; if the drop is real, rerun with --accept-drop REASON";
	case SOSR_EXIT_LOCKER:
		return "the evidence locker's push failed: the next run pushes it; check the agent's git "
		       "credentials and the remote";
	default:
		return "the stage was killed or ended in an unknown way: keep the run's files and report it";
	}
}
