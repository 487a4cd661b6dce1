"""What every command-line tool of the repository shares: how a mistake is reported (one or two lines naming the
problem and the fix, and a documented exit code; never a traceback), the checks of files, numbers, directories and
AWS settings that every tool needs, and the check that an audio file is what its extension says."""
