// The hook executable's entry point; see Program.
Program.run()
