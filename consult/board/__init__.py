"""The board runs a draft: creates it, sets its rules and deadlines, moves it through its phases."""
