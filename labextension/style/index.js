import './base.css';
import './experiments.css';
import './runs.css';
import './unattended.css';
import './sweeps.css';
